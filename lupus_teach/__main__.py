"""Allow ``python -m lupus_teach``."""

from lupus_teach.cli import main

raise SystemExit(main())
