"""goodwork in Python: a thin layer over libgoodwork (the C library of the goodwork project).

Every number comes from the C library: this package only moves data in (a pandas DataFrame
or a file path) and results out (pandas objects). docs/python.md is the user guide.

    import goodwork as gw
    m = gw.feols("inv ~ value + capital | firm", df, vcov={"CRV1": "firm"})
    m.tidy(); print(m.summary())
"""

from ._fit import GoodworkError, Feols, feols
from ._lib import path as library_path

__all__ = ["feols", "Feols", "GoodworkError", "library_path"]
