from mentorloom.cli import main

main()
