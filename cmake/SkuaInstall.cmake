# What "cmake --install" puts where (docs/install.md). Included at the end
# of the top CMakeLists.txt, once every target exists. The destinations
# come from cmake/SkuaPaths.cmake, the same variables the programs are
# compiled with; DESTDIR stages the whole tree.
set(exe OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(dirmode OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# ipsec in sbin; pluto, whack, addconn, the helper scripts and _updown in
# libexec/ipsec, as libreswan lays them out.
install(PROGRAMS ${SKUA_IPSEC_STAGE}/sbin/ipsec DESTINATION ${SKUA_SBINDIR})
install(TARGETS pluto whack RUNTIME DESTINATION ${SKUA_EXECDIR})
if(TARGET addconn)
	install(TARGETS addconn RUNTIME DESTINATION ${SKUA_EXECDIR})
endif()
install(PROGRAMS
	${SKUA_IPSEC_STAGE}/libexec/auto
	${SKUA_IPSEC_STAGE}/libexec/setup
	${SKUA_IPSEC_STAGE}/libexec/verify
	${CMAKE_SOURCE_DIR}/tools/ipsec/_updown
	DESTINATION ${SKUA_EXECDIR})

# The systemd unit.
configure_file(${CMAKE_SOURCE_DIR}/packaging/systemd/ipsec.service.in
	${SKUA_IPSEC_STAGE}/ipsec.service @ONLY)
install(FILES ${SKUA_IPSEC_STAGE}/ipsec.service DESTINATION ${SKUA_SYSTEMD_UNITDIR})

# Manual pages (docs/man/CMakeLists.txt builds them).
install(FILES ${SKUA_MAN_PAGES_8} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${SKUA_MAN_PAGES_5} DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

# Example configuration: /etc/ipsec.conf, /etc/ipsec.secrets (mode 0600)
# and /etc/ipsec.d/. A file that exists already is the user's and is kept
# (the Debian package marks both as conffiles instead); copies of both stay
# in the documentation. file(INSTALL) adds DESTDIR itself.
foreach(f ipsec.conf ipsec.secrets)
	configure_file(${CMAKE_SOURCE_DIR}/packaging/examples/${f}.in ${SKUA_IPSEC_STAGE}/etc/${f} @ONLY)
endforeach()
configure_file(${CMAKE_SOURCE_DIR}/packaging/pam/pluto ${SKUA_IPSEC_STAGE}/etc/pam.d/pluto COPYONLY)
install(DIRECTORY DESTINATION ${SKUA_CONFDDIR} DIRECTORY_PERMISSIONS ${dirmode})
install(CODE "
	foreach(f ipsec.conf ipsec.secrets)
		set(dest \"\$ENV{DESTDIR}${SKUA_SYSCONFDIR}/\${f}\")
		if(EXISTS \"\${dest}\")
			message(STATUS \"Keeping: \${dest} (it exists)\")
		else()
			if(f STREQUAL \"ipsec.secrets\")
				set(mode OWNER_READ OWNER_WRITE)
			else()
				set(mode OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
			endif()
			file(INSTALL \"${SKUA_IPSEC_STAGE}/etc/\${f}\"
				DESTINATION \"${SKUA_SYSCONFDIR}\"
				FILE_PERMISSIONS \${mode})
		endif()
	endforeach()
	# PAM's service for --xauthby pam (kept too when it exists)
	if(EXISTS \"\$ENV{DESTDIR}${SKUA_PAMCONF}\")
		message(STATUS \"Keeping: \$ENV{DESTDIR}${SKUA_PAMCONF} (it exists)\")
	else()
		file(INSTALL \"${SKUA_IPSEC_STAGE}/etc/pam.d/pluto\"
			DESTINATION \"${SKUA_SYSCONFDIR}/pam.d\"
			FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
	endif()")

set(docdir ${SKUA_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/install.md
	${CMAKE_SOURCE_DIR}/docs/status.md DESTINATION ${docdir})
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION ${docdir} RENAME copyright)
install(FILES ${SKUA_IPSEC_STAGE}/etc/ipsec.conf ${SKUA_IPSEC_STAGE}/etc/ipsec.secrets
	DESTINATION ${docdir}/examples)
