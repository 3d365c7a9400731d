"""What ``clarion check`` and ``clarion stats`` gather: the deadline report and
the metrics of a site."""
