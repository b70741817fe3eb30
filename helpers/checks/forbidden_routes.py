"""The routes to course code that an exercise answer must not take.

One list, read by both own-work scanners: the public checks'
(:mod:`helpers.checks.own_work`, which looks at the function a check
receives) and the grader's (``instructor.grading.own_work``, which reads
the answer cells' source).  Each entry maps what an answer uses to the
words both scanners name it with.  This module holds data only and
imports nothing.
"""

#: Built-in functions that run, import or reach code by name or as text.
CALLS = {
    "__import__": "imports modules by name with __import__()",
    "exec": "runs code from text with exec()",
    "eval": "runs code from text with eval()",
    "compile": "compiles code from text with compile()",
    "globals": "reads a module's namespace with globals()",
    "vars": "reads a namespace with vars()",
}

#: Modules whose use at all is such a route (an ``import`` is enough).
MODULES = {
    "importlib": "imports modules at run time with importlib",
    "linecache": "reads source code with linecache",
    "runpy": "runs modules with runpy",
    "builtins": "reaches built-in functions through the builtins module",
    "ctypes": "reaches the interpreter's memory with ctypes",
}

#: Attributes that are such routes whatever object they are read from,
#: with the module that usually holds them (None: any object).
ATTRIBUTES = {
    "modules": ("sys", "reaches modules by name through sys.modules"),
    "_getframe": ("sys", "walks the call stack with sys._getframe"),
    "settrace": ("sys", "watches running code with sys.settrace"),
    "setprofile": ("sys", "watches running code with sys.setprofile"),
    "import_module": (
        "importlib", "imports modules at run time with importlib"),
    "exec_module": (None, "runs a module's code with exec_module"),
    "getsource": ("inspect", "reads source code with inspect.getsource"),
    "getsourcelines": (
        "inspect", "reads source code with inspect.getsourcelines"),
    "currentframe": (
        "inspect", "walks the call stack with inspect.currentframe"),
    "getline": ("linecache", "reads source code with linecache"),
    "getlines": ("linecache", "reads source code with linecache"),
    "get_objects": ("gc", "reaches every object with gc.get_objects"),
    "get_referrers": ("gc", "reaches other objects with gc.get_referrers"),
    "__globals__": (
        None, "reaches another function's globals through __globals__"),
    "__builtins__": (
        None, "reaches the built-in functions by name through __builtins__"),
    "__dict__": (None, "reads a namespace by name through __dict__"),
}

#: Attributes that are routes only on one module: their names are common
#: elsewhere (``tf.stack``, ``np.stack``).
MODULE_ATTRIBUTES = {
    ("inspect", "stack"): "walks the call stack with inspect.stack",
}

#: Names that are routes wherever they are read.
NAMES = {
    "__builtins__": (
        "reaches the built-in functions by name through __builtins__"),
}
