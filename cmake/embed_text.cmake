# Writes OUTPUT, a C++ file defining raiiaf::detail::manifest_schema_text
# with the contents of INPUT.
file(READ ${INPUT} text)
set(delimiter "raiiaf_schema")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\n#include \"raiiaf/config.hpp\"\nRAIIAF_DETAIL_NAMESPACE_BEGIN\nextern const std::string_view manifest_schema_text;\nconst std::string_view manifest_schema_text = R\"${delimiter}(${text})${delimiter}\";\nRAIIAF_DETAIL_NAMESPACE_END\n")
