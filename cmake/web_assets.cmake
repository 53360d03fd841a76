# Web UI assets embedded in the binary (no third-party tool needed).
#
# hearth_embed_web_assets(TARGET DIR): every file in DIR becomes a byte array
# in a C++ source generated at build time (by embed_web_assets.cmake, run
# with `cmake -P`) and compiled into TARGET. The generated source defines
# hearth::server::embedded_assets() (declared in server/static_assets.h).
# Editing, adding or removing a file under DIR regenerates it.
function(hearth_embed_web_assets target dir)
  file(GLOB assets CONFIGURE_DEPENDS ${dir}/*)
  list(SORT assets)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/generated/web_assets.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} "-DASSETS=${assets}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_web_assets.cmake
    DEPENDS ${assets} ${PROJECT_SOURCE_DIR}/cmake/embed_web_assets.cmake
    COMMENT "Embedding ${dir} into web_assets.cpp"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
