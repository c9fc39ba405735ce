import sys

from hlmshell.cli import main

sys.exit(main())
