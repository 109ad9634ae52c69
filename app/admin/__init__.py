"""Platform administration: accounts and KOL verification."""
