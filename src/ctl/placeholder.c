int skua_placeholder_ctl;
