"""What `monitor browse` adds to Datasette: loaded by Datasette (`--plugins-dir`,
`--template-dir`), never imported by monitor itself."""
