"""Where and how a build lands on disk: the output folders, the generations
behind one pointer, the writer, the build cache and ``--explain``."""
