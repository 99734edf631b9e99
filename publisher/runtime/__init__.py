"""What every stage leans on: worker processes, atomic output files and the crash log."""
