# json-c: the tests read public JSON vectors (tests/vectors/wycheproof/) with it.
include(${CMAKE_CURRENT_LIST_DIR}/SkuaFindPackage.cmake)
skua_find_library(JsonC JsonC::json-c PKG json-c HEADER json-c/json.h NAMES json-c)
