# redraws.gdb — after the first frame, prints each widget that asks to be
# drawn or measured again, with the call stack that asked.
#
#   gdb -q -batch -x bench/gdb/redraws.gdb _build/src/tern > redraws.txt
#
# Then, for example, count what each frame redraws:
#   awk '/^=== frame/{f=$3} /^queue_/{print f, $1, $2}' redraws.txt | sort | uniq -c
# See bench/gdb/README.md.

set pagination off
set breakpoint pending on
set print thread-events off
set $frames = 0
break gdk_draw_context_begin_frame
commands
silent
set $frames = $frames + 1
printf "=== frame %d\n", $frames
continue
end
break gtk_widget_queue_draw
commands
silent
if $frames >= 1
  printf "queue_draw %s\n", (char *) g_type_name (((GTypeClass *) ((GTypeInstance *) $rdi)->g_class)->g_type)
  bt 14
end
continue
end
break gtk_widget_queue_resize
commands
silent
if $frames >= 1
  printf "queue_resize %s\n", (char *) g_type_name (((GTypeClass *) ((GTypeInstance *) $rdi)->g_class)->g_type)
  bt 14
end
continue
end
run
