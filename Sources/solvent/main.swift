import SolventCLI

await launchSolvent()
