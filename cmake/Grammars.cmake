# tree-sitter grammars from the pinned npm tarballs that scripts/setup.sh unpacks. They are
# third-party generated C, compiled as they ship (no project warnings).
set(_npm "${SEMDEX_CACHE_DIR}/npm")
set(SEMDEX_GRAMMAR_DIRS
    "${_npm}/tree-sitter-typescript-0.23.2/package/typescript/src"
    "${_npm}/tree-sitter-typescript-0.23.2/package/tsx/src"
    "${_npm}/tree-sitter-javascript-0.23.1/package/src"
    "${_npm}/tree-sitter-python-0.23.6/package/src")
set(_grammar_srcs)
foreach(dir IN LISTS SEMDEX_GRAMMAR_DIRS)
  if(NOT EXISTS "${dir}/parser.c")
    message(FATAL_ERROR "tree-sitter grammar missing: ${dir}/parser.c. Run scripts/setup.sh first.")
  endif()
  list(APPEND _grammar_srcs "${dir}/parser.c" "${dir}/scanner.c")
endforeach()
add_library(semdex_grammars STATIC ${_grammar_srcs})
target_compile_options(semdex_grammars PRIVATE -w -O2)
set_target_properties(semdex_grammars PROPERTIES C_STANDARD 11)
