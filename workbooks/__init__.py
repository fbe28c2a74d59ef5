"""The sales workbook: its contract (one schema per sheet), validated reading, and builders."""
