# Writes OUTPUT, a C++ file defining raiiaf::detail::manifest_schema_text
# with the contents of INPUT.
file(READ ${INPUT} text)
set(delimiter "raiiaf_schema")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace raiiaf::detail {\nextern const std::string_view manifest_schema_text;\nconst std::string_view manifest_schema_text = R\"${delimiter}(${text})${delimiter}\";\n}\n")
