# libsystemd, for sd_notify(3): optional. Systemd::libsystemd exists only
# when it was found; pluto then tells systemd when it is ready.
include(${CMAKE_CURRENT_LIST_DIR}/SkuaFindPackage.cmake)
skua_find_library(Systemd Systemd::libsystemd PKG libsystemd HEADER systemd/sd-daemon.h
	NAMES systemd)
