from voiceguide.cli.main import main

main()
