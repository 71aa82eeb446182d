"""Revision files and projects on disk: writing new revisions (writer), creating projects (scaffold)."""
