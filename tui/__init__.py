"""vmbackup-prep: get Azure virtual machines ready for Azure Backup."""

__version__ = "0.1.0"
