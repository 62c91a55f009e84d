include(${CMAKE_CURRENT_LIST_DIR}/SkuaFindPackage.cmake)
skua_find_library(Hwloc Hwloc::hwloc PKG hwloc HEADER hwloc.h NAMES hwloc)
