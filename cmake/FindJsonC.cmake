include(${CMAKE_CURRENT_LIST_DIR}/SkuaFindPackage.cmake)
skua_find_library(JsonC JsonC::json-c PKG json-c HEADER json-c/json.h NAMES json-c)
