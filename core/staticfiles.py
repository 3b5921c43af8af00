"""The production static files storage: whitenoise's, compressing only the hashed copies."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedCompressedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Pages, stylesheets and scripts name static files by their hashed names (the manifest),
    so only those get gzip and brotli copies. An original name, asked for by code that
    bypasses the manifest, is still served, uncompressed. Compressing half the files halves
    the longest step of `collectstatic`."""

    def compress_files(self, paths):
        hashed = set(self.hashed_files.values())
        return super().compress_files([path for path in paths if path in hashed])
