# frames.gdb — prints the region each frame of tern repaints, to find which
# widgets make a frame expensive (GTK 4.8 has no damage debugging).
#
#   gdb -q -batch -x bench/gdb/frames.gdb _build/src/tern
#
# Each line is one frame: the extents of the clip that GDK's cairo context
# clears and copies (the cost of a cairo frame without a GPU grows with it)
# and its number of rectangles. See bench/gdb/README.md.

set pagination off
set breakpoint pending on
set print thread-events off
break gdk_draw_context_begin_frame
commands
silent
set $clip = (void *) $rsi
set $e = (int *) malloc (16)
call (void) cairo_region_get_extents ($clip, $e)
printf "%ld frame: clip %d,%d %dx%d, %d rectangles\n", (long) g_get_monotonic_time (), $e[0], $e[1], $e[2], $e[3], (int) cairo_region_num_rectangles ($clip)
continue
end
run
