"""mptutor check: runs an example's or an exercise's program under one start method.

    python3 under_method.py METHOD PROGRAM.py [ARGS...]

PROGRAM.py is found in this program's own folder.

Only the default start method changes, as if this Python's own default
were METHOD: the program is not changed, and one that calls
multiprocessing.set_start_method() itself still may, as it may when run
directly (a set_start_method(METHOD, force=True) here would make the
program's own call raise "context has already been set").
"""

import os
import runpy
import sys

import multiprocessing
import multiprocessing.context

_method = sys.argv[1]
_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), sys.argv[2])
try:
    _contexts = multiprocessing.context
    _contexts._default_context._default_context = _contexts._concrete_contexts[_method]
except (AttributeError, KeyError):
    multiprocessing.set_start_method(_method, force=True)
sys.argv = [_path] + sys.argv[3:]
# As `python3 PROGRAM.py` would have it: the program's folder first, which
# a spawned child's sys.path copies.
sys.path[0] = os.path.dirname(os.path.abspath(_path))
runpy.run_path(_path, run_name="__main__")
