-- postgres only
CREATE EXTENSION IF NOT EXISTS pgcrypto;
