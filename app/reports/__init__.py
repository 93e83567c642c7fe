"""Documents a college hands on: self-diagnosis and analysis reports, the annual quality report.

Each report is built as a plain document (`document.py`) from what was recorded, then written
to Word (`docx_writer.py`) and, through LibreOffice when it is installed, to PDF (`pdf.py`).
"""
