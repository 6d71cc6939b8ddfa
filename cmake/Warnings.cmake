# Warnings list and sanitizer switch, applied to every target of the tree.
set(OUTPOST_WARNINGS
  -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wcast-qual
  -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings
  -Wnull-dereference -Wvla -Wimplicit-fallthrough -Wundef)
add_compile_options(${OUTPOST_WARNINGS})
if(OUTPOST_WERROR)
  add_compile_options(-Werror)
endif()
add_compile_options(-fstack-protector-strong)
if(NOT OUTPOST_SANITIZE)
  add_compile_definitions(_FORTIFY_SOURCE=2)
endif()
if(OUTPOST_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
