from django.db import migrations

# PostgreSQL's default random_page_cost (4) models spinning disks: on the SSDs
# (and page cache) a board runs on today it makes the planner walk a small
# discussion's replies by scanning the whole comments table once per comment
# (1.3 ms instead of 0.6 ms for a 100-comment page). 1.1 is the usual SSD
# value. It is a default of this database for new sessions, not session
# state, so it holds behind PgBouncer too. A role that may not alter the
# database (some managed services) keeps the server's setting: say so, don't fail.
SET_COST = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database());
    -- And this session, which may go on serving (a test run, a bench).
    PERFORM set_config('random_page_cost', '1.1', false);
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'Not allowed to set random_page_cost on this database; the server''s value stays.';
END
$$;
"""
RESET_COST = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I RESET random_page_cost', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("trekboard", "0001_cache_table")]

    operations = [migrations.RunSQL(SET_COST, RESET_COST)]
