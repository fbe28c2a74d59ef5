"""How large a workbook may be before it is refused (``salesdesk --max-unpacked-mb N --max-rows N``).

Apart from workbooks.opening, which applies them, so that the command line can state them
without loading the reader (and pandas) for ``--help`` or ``--version``."""

MAX_UNPACKED_MB = 1024          # the 2,000-rep, 24-month benchmark workbook (77 MB) unpacks to 690 MB
MAX_ROWS = 1_048_576            # rows in one sheet: Excel's own maximum
