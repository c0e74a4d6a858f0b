"""(being written: see docs/complaints.md)"""
