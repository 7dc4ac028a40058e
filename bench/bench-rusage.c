/* bench-rusage.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Runs a command and writes its wall time and its own peak resident set
 * size as one JSON object to REPORT; exits with the command's status (128+N
 * when signal N killed it, 127 when it could not be started).
 *
 * Usage: bench-rusage REPORT -- COMMAND [ARGS...]
 *
 * bench-sync.py starts every measured command through this small program
 * because Linux counts the peak RSS of a process's memory before execve()
 * in its ru_maxrss: a child forked from the (large) Python benchmark would
 * report at least the Python process's peak. Forked from this program it
 * starts from a megabyte or so.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
seconds (const struct timespec *t)
{
  return (double) t->tv_sec + (double) t->tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
  struct timespec t0, t1;
  struct rusage ru;
  int status = 0;
  int code;
  pid_t pid;
  FILE *report;

  if (argc < 4 || strcmp (argv[2], "--") != 0)
    {
      fprintf (stderr, "usage: bench-rusage REPORT -- COMMAND [ARGS...]\n");
      return 2;
    }

  clock_gettime (CLOCK_MONOTONIC, &t0);
  pid = fork ();
  if (pid < 0)
    {
      perror ("bench-rusage: fork");
      return 127;
    }
  if (pid == 0)
    {
      execvp (argv[3], argv + 3);
      fprintf (stderr, "bench-rusage: %s: %s\n", argv[3], strerror (errno));
      _exit (127);
    }
  while (wait4 (pid, &status, 0, &ru) < 0)
    {
      if (errno != EINTR)
        {
          perror ("bench-rusage: wait4");
          return 127;
        }
    }
  clock_gettime (CLOCK_MONOTONIC, &t1);

  code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  report = fopen (argv[1], "w");
  if (report == NULL)
    {
      fprintf (stderr, "bench-rusage: %s: %s\n", argv[1], strerror (errno));
      return 127;
    }
  fprintf (report, "{\"wall_s\": %.6f, \"maxrss_kb\": %ld, \"status\": %d}\n",
           seconds (&t1) - seconds (&t0), ru.ru_maxrss, code);
  if (fclose (report) != 0)
    {
      perror ("bench-rusage: writing the report");
      return 127;
    }
  return code;
}
