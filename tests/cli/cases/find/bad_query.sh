# A query that does not parse: exit 2, the column, the query and a caret.
raiiaf index v --db cat.sqlite > /dev/null
raiiaf find --db cat.sqlite 'model:sdxl' 'stpes>=30'
