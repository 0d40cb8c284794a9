import SolventCLI

SolventCommand.main()
