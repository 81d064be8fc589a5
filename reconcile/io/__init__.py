"""Input and output: `read` (every input form → validated canonical frames, the bad-row policy) and
`write` (one atomic writer for every file and folder the library produces).

`reconcile.io.read_population`, `read_claims` and the other names of `read.__all__` and
`write.__all__` are importable from here.
"""

from reconcile.io.read import *  # noqa: F401,F403
from reconcile.io.read import __all__ as _read_all
from reconcile.io.write import *  # noqa: F401,F403
from reconcile.io.write import __all__ as _write_all

__all__ = [*_read_all, *_write_all]
