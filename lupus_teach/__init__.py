"""lupus-teach: learn and report BILAG lupus activity and trial responses.

The package teaches how lupus disease activity is scored with the BILAG index,
how a trial turns those scores into major and partial clinical responses, and
what the multicenter trial of umbilical-cord mesenchymal stem cells in 40
patients with refractory lupus found (Wang et al., Arthritis Research &
Therapy 2014;16:R79).

Importing the package changes no global settings of your session.

Examples
--------
>>> import lupus_teach
>>> lupus_teach.__version__
'0.1.0'
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lupus-teach")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.1.0"

__all__ = ["__version__"]
