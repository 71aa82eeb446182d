"""Revision files: read (loader, checked against the contract in checks, into revision.Revision),
named (filenames), written (writer, emit, hooks), derived (derive's downgrades) and the project
they live in (scaffold). Nothing here talks to a database."""
