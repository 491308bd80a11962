# Shared by the example images: links an image at the flash partition the
# orchestrator assigned to it and produces zephyr/zephyr.{elf,hex} in the build
# directory (the orchestrator's default output path).
#
# Inputs (CMake cache variables, passed with -D by `multibuild`):
#   IMAGE_NAME                  the image's name; its partition has the same name
#   PM_<IMAGE>_ADDRESS, PM_<IMAGE>_SIZE   the image's flash partition (upper case)
#   IMAGE_RAM_ORIGIN, IMAGE_RAM_SIZE      optional, default: mps2-an385 SRAM

set(IMAGE_NAME "" CACHE STRING "Name of this image (set by the orchestrator)")
if(IMAGE_NAME STREQUAL "")
  message(FATAL_ERROR "IMAGE_NAME is not set: build this image through multibuild, "
                      "or pass -DIMAGE_NAME=<name> and its PM_<NAME>_ADDRESS/_SIZE")
endif()
string(TOUPPER "${IMAGE_NAME}" IMAGE_UPPER)

foreach(var PM_${IMAGE_UPPER}_ADDRESS PM_${IMAGE_UPPER}_SIZE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is not set: image ${IMAGE_NAME} has no partition "
                        "in the layout the orchestrator passed")
  endif()
endforeach()

set(IMAGE_FLASH_ORIGIN ${PM_${IMAGE_UPPER}_ADDRESS})
set(IMAGE_FLASH_SIZE ${PM_${IMAGE_UPPER}_SIZE})
set(IMAGE_RAM_ORIGIN 0x20000000 CACHE STRING "RAM origin of this image")
set(IMAGE_RAM_SIZE 0x10000 CACHE STRING "RAM size of this image")

set(FIRMWARE_COMMON_DIR ${CMAKE_CURRENT_LIST_DIR}/../common)

# firmware_image(<target> [DATA_ONLY] <sources>...): an executable image with the
# common startup code (vector table, .data/.bss set-up, UART), or with DATA_ONLY
# a data blob whose `.vectors` section is placed at the partition start.
function(firmware_image target)
  cmake_parse_arguments(PARSE_ARGV 1 FW "DATA_ONLY" "" "")
  set(sources ${FW_UNPARSED_ARGUMENTS})
  if(NOT FW_DATA_ONLY)
    list(APPEND sources ${FIRMWARE_COMMON_DIR}/startup.c ${FIRMWARE_COMMON_DIR}/uart.c)
  endif()
  add_executable(${target} ${sources})
  set(ld ${CMAKE_BINARY_DIR}/image.ld)
  # configure_file rewrites the script only when its content changes, so a
  # reconfigure with the same layout does not relink.
  configure_file(${FIRMWARE_COMMON_DIR}/../cmake/image.ld.in ${ld} @ONLY)
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME zephyr
    SUFFIX .elf
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/zephyr
    LINK_DEPENDS ${ld})
  target_compile_options(${target} PRIVATE -Os -g -Wall -Wextra -Werror)
  target_include_directories(${target} PRIVATE ${FIRMWARE_COMMON_DIR})
  target_link_options(${target} PRIVATE -T${ld} -Wl,-Map=${CMAKE_BINARY_DIR}/zephyr/zephyr.map)
  target_link_libraries(${target} PRIVATE gcc)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} -O ihex $<TARGET_FILE:${target}> ${CMAKE_BINARY_DIR}/zephyr/zephyr.hex
    BYPRODUCTS ${CMAKE_BINARY_DIR}/zephyr/zephyr.hex
    COMMENT "HEX file of image ${IMAGE_NAME}")
endfunction()
