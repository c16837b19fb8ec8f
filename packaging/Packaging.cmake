# Debian packages with CPack (make deb): they reuse the normal build directory, so CI pays only
# for the packaging itself. Two components: switchboard-server and switchboard-console.
include(GNUInstallDirs)

install(FILES ${CMAKE_CURRENT_LIST_DIR}/deb/config.json DESTINATION /etc/switchboard
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT server)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/systemd/switchboard.service
        DESTINATION /lib/systemd/system COMPONENT server)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/metrics.md
        DESTINATION share/doc/switchboard-server COMPONENT server)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/desktop/switchboard-console.desktop
        DESTINATION share/applications COMPONENT console)
install(FILES ${PROJECT_SOURCE_DIR}/resources/web/favicon.svg
        DESTINATION share/icons/hicolor/scalable/apps RENAME switchboard-console.svg
        COMPONENT console)

# Debian's changelog.Debian.gz, one per package (gzip -n: the same bytes on every build).
foreach(pkg IN ITEMS server console)
    file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/deb-doc/${pkg})
    execute_process(COMMAND gzip -9nc ${CMAKE_CURRENT_LIST_DIR}/deb/changelog
                    OUTPUT_FILE ${CMAKE_BINARY_DIR}/deb-doc/${pkg}/changelog.Debian.gz)
    install(FILES ${CMAKE_BINARY_DIR}/deb-doc/${pkg}/changelog.Debian.gz
            DESTINATION share/doc/switchboard-${pkg} COMPONENT ${pkg})
endforeach()

# `make deb` builds the two binaries itself; installing must not rebuild every test first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME switchboard)
set(CPACK_PACKAGE_VENDOR "Switchboard developers")
set(CPACK_PACKAGE_CONTACT "Switchboard developers <switchboard@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_SOURCE_DIR}/dist)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server console)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_SERVER_PACKAGE_NAME switchboard-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
# The SQLite driver is a Qt plugin (dlopen'ed), so shlibs cannot see it.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "libqt6sql6-sqlite, adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/deb/postinst ${CMAKE_CURRENT_LIST_DIR}/deb/prerm
    ${CMAKE_CURRENT_LIST_DIR}/deb/postrm ${CMAKE_CURRENT_LIST_DIR}/deb/conffiles)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_COMPONENT_SERVER_DESCRIPTION "WebRTC signaling server for offices
Browser conference rooms, office phones rung by a SIP bridge, public virtual
numbers and cameras, on one HTTPS/WebSocket port; a systemd notify service.")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_NAME switchboard-console)
set(CPACK_DEBIAN_CONSOLE_PACKAGE_SECTION net)
set(CPACK_COMPONENT_CONSOLE_DESCRIPTION "Operator console for the Switchboard signaling server
Shows live rooms, office phones, trunks and ring traffic over the admin socket.")
include(CPack)
