-- Temporal's schemas live beside the application database on the same server.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
