import sys

from vaecli.cli import main

sys.exit(main())
