from genai_studio.cli import console_main

console_main()
