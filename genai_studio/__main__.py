import sys

from genai_studio.cli import main

sys.exit(main())
