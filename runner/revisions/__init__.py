"""Revision files: found (files), parsed (document), read into revision.Revision (loader, with
its cache, checked against the contract in checks), named (filenames), written (writer, emit,
hooks), replayed (replay), derived (derive's downgrades), summed (checksum) and the project they
live in (scaffold). Nothing here talks to a database."""
