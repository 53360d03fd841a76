# Shared build helpers for hearth.

# Warnings for our own targets (never for third-party headers).
function(hearth_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false positives in std::string operator+.
    target_compile_options(${target} PRIVATE -Wno-restrict)
    # Its middle-end warnings misfire the same way in libstdc++'s inlined string
    # code (GCC bugs 105329, 105651), which a precompiled header no longer marks
    # as a system header's. Clang's own bounds checks and ASan stay on in CI.
    if(HEARTH_PCH)
      target_compile_options(${target} PRIVATE -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread)
    endif()
  endif()
  if(HEARTH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Either option builds everything under ASan + UBSan; HEARTH_SANITIZED tells
# code to expect their costs (GCC defines __SANITIZE_ADDRESS__, clang 14 does not).
if(HEARTH_SANITIZE OR HEARTH_FUZZ)
  add_compile_definitions(HEARTH_SANITIZED)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# Fuzz builds also instrument the whole library for coverage (libFuzzer's
# runtime itself is linked only into the fuzz targets, see fuzz/CMakeLists.txt).
if(HEARTH_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Sources whose name ends in _avx2.cpp or _avx512.cpp are compiled for
# AVX2+FMA+F16C; they are only ever called through a kernel table filled after
# CPU detection. The AVX-512 code in _avx512.cpp files is enabled function by
# function (HEARTH_AVX512_FN, quant/x86/avx512_common.h), not for the whole
# file: an inline helper shared with the AVX2 kernels that the compiler emits
# out of line must be AVX2 code whichever file's copy the linker keeps, or an
# AVX2-only CPU would run an AVX-512 instruction.
set(HEARTH_AVX2_FLAGS -mavx2 -mfma -mf16c)

# hearth_layer(NAME [DEPS...]): src/NAME/**.cpp as object library hearth_NAME.
function(hearth_layer name)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  add_library(hearth_${name} STATIC ${srcs})
  target_include_directories(hearth_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  foreach(dep ${ARGN})
    target_link_libraries(hearth_${name} PUBLIC hearth_${dep})
  endforeach()
  foreach(src ${srcs})
    if(src MATCHES "_avx(2|512)\\.cpp$")
      # Other target flags than the layer's precompiled header (clang rejects the mix).
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${HEARTH_AVX2_FLAGS}"
        SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  hearth_warnings(hearth_${name})
endfunction()

# hearth_precompile(TARGET HEADER...): precompile these third-party headers for
# TARGET's sources (HEARTH_PCH). A handful of headers dominate the build: CLI11
# takes ~6.5 s to parse, nlohmann-json ~2.4 s, GoogleTest ~2 s (GCC 12, -O2), and
# most of the 400 files of a tree include one or two of them; CI compiles the
# tree twice (release, and clang with the sanitizers). The price: a file that
# forgets to include one of these headers still compiles with the option on
# (HEARTH_PCH=OFF builds without, as a check).
function(hearth_precompile target)
  if(HEARTH_PCH)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()

# hearth_unity(TARGET...): compile TARGET's sources in batches of 8 files, one
# compiler run a batch (HEARTH_UNITY). The precompiled header saves the parse,
# not the code: every file of the CLI, the server and the gateway instantiates
# and optimises the same CLI11, nlohmann-json and Boost.Beast/Asio templates
# again (GCC 12 on cli/show.cpp: 63 % of its 10 s in code generation, 30 % in
# template instantiation). In batches the CLI's 27 files took 31 s of CPU
# against 160 s one by one (2026-12-02). The price: a batch shares one
# translation unit, so file-local names must differ across a target's files,
# and a file may compile only thanks to its batch-mates' includes
# (HEARTH_UNITY=OFF builds file by file, as a check).
function(hearth_unity)
  if(HEARTH_UNITY)
    set_target_properties(${ARGN} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()

# The tests' shared helpers (tests/test_data.cpp), compiled once for all suites.
function(hearth_test_support)
  add_library(hearth_test_support STATIC ${PROJECT_SOURCE_DIR}/tests/test_data.cpp)
  target_include_directories(hearth_test_support PUBLIC ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(hearth_test_support PUBLIC hearth_core GTest::gtest_main nlohmann_json::nlohmann_json)
  target_compile_definitions(hearth_test_support PUBLIC
    HEARTH_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    HEARTH_BINARY="${PROJECT_BINARY_DIR}/hearth")
  target_compile_options(hearth_test_support PRIVATE ${HEARTH_TEST_OPT})
  hearth_warnings(hearth_test_support)
endfunction()

# hearth_test_suite(NAME LAYER... [OWN_PCH]): tests/NAME/*.cpp as executable hearth_NAME_tests,
# linked only against the layers it tests (so one layer's tests build on their own).
# The first suite precompiles GoogleTest and nlohmann-json; the others reuse its
# header, so they must compile with its flags. OWN_PCH: this suite's layers bring
# compile definitions of their own (gateway: toml++ and hiredis), it precompiles its own.
function(hearth_test_suite name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "OWN_PCH" "" "")
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${name}/*.cpp)
  add_executable(hearth_${name}_tests ${srcs})
  foreach(layer ${arg_UNPARSED_ARGUMENTS})
    target_link_libraries(hearth_${name}_tests PRIVATE hearth_${layer})
  endforeach()
  target_link_libraries(hearth_${name}_tests PRIVATE hearth_test_support)
  target_compile_options(hearth_${name}_tests PRIVATE ${HEARTH_TEST_OPT})
  get_property(owner GLOBAL PROPERTY HEARTH_TEST_PCH_OWNER)
  if(arg_OWN_PCH OR NOT owner)
    hearth_precompile(hearth_${name}_tests <gtest/gtest.h> <nlohmann/json.hpp>)
    if(NOT owner)
      set_property(GLOBAL PROPERTY HEARTH_TEST_PCH_OWNER hearth_${name}_tests)
    endif()
  elseif(HEARTH_PCH)
    target_precompile_headers(hearth_${name}_tests REUSE_FROM ${owner})
  endif()
  hearth_warnings(hearth_${name}_tests)
  gtest_discover_tests(hearth_${name}_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${name})
endfunction()
