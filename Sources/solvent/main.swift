import SolventCLI
