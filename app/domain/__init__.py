"""Pure business rules: Decimal, date and small dataclasses in, results out. No Flask, no I/O."""
