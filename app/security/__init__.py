"""The security layer (docs/architecture.md; docs/security.md): the roles and their grants
(``roles``), the current user and the row filters of community scoping (``scoping``), the
personal-data masking decisions (``personal``) and the password policy (``passwords``).

Nothing is re-exported here: import each name from the module that holds it.
"""
