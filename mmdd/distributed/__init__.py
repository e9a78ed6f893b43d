"""What the ranks of one job share: barriers that wait hours, failure
announcements, split ranks and the stream settings. Both
:mod:`mmdd.datasets` and :mod:`mmdd.engine` import it; it imports
neither."""
