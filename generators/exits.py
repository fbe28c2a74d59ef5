"""The exit codes of every salesdesk command (listed in the README)."""

DONE = 0                    # everything was done
FINISHED_WITH_PROBLEMS = 1  # done, but something was left out or failed: see the lines printed and errors.xlsx
STOPPED = 2                 # nothing was done: the input or the output folder cannot be used (one line says why)
INTERNAL_ERROR = 3          # a bug: one line, and the traceback in a log file whose path is printed
FOUND_DIFFERENCES = 4       # reconcile: done, nothing left out, and payroll differs from the computed commission
