# The Debian package: "cpack -G DEB" in a build directory (or
# scripts/package) writes skua_<version>-<release>_<arch>.deb with what
# cmake --install puts in place. It takes libreswan's place (same paths):
# it conflicts with, replaces and provides libreswan, and like libreswan
# conflicts with the other IKE daemons (ike-server, strongSwan's starter
# and charon library). docs/install.md describes it.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME skua)
set(CPACK_PACKAGE_VENDOR "The Skua authors")
set(CPACK_PACKAGE_CONTACT "The Skua authors <skua@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "multi-core IKE daemon and VPN concentrator, libreswan-compatible")
set(CPACK_PACKAGE_DESCRIPTION "Skua is a new implementation of libreswan's pluto and whack:
the same programs, options, whack forms, ipsec.conf and ipsec.secrets,
updown contract and exit statuses, built for road-warrior concentrators
with hundreds of thousands of clients. This package installs it in
libreswan's place.")
# The paths compiled into the programs are the configure-time prefix's.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/skua")
# Library dependencies from the binaries (dpkg-shlibdeps), and iproute2
# for the _updown script.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "iproute2")
set(CPACK_DEBIAN_PACKAGE_PROVIDES "libreswan, ike-server")
set(CPACK_DEBIAN_PACKAGE_CONFLICTS "libreswan, ike-server, strongswan-starter, strongswan-libcharon")
set(CPACK_DEBIAN_PACKAGE_REPLACES "libreswan, ike-server")

configure_file(${CMAKE_SOURCE_DIR}/packaging/debian/conffiles.in
	${CMAKE_BINARY_DIR}/packaging/debian/conffiles @ONLY)
foreach(script postinst prerm postrm)
	file(COPY ${CMAKE_SOURCE_DIR}/packaging/debian/${script}
		DESTINATION ${CMAKE_BINARY_DIR}/packaging/debian
		FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
		WORLD_READ WORLD_EXECUTE)
endforeach()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
	${CMAKE_BINARY_DIR}/packaging/debian/conffiles
	${CMAKE_BINARY_DIR}/packaging/debian/postinst
	${CMAKE_BINARY_DIR}/packaging/debian/prerm
	${CMAKE_BINARY_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
