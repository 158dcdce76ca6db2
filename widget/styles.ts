// The app's one stylesheet, injected into the shadow root as a <style> element: the
// launcher's rules (shared with the loader) and the panel's. Colours come from the
// site's appearance through --pc (primary) and --pf (text on primary).
import { LAUNCHER_CSS } from './shared';

const PANEL_CSS = `
.pw-badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#d92d20;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center}
.pw-panel{position:fixed;z-index:2;bottom:88px;right:20px;width:370px;max-width:calc(100vw - 40px);height:580px;max-height:calc(100vh - 108px);display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);overflow:hidden}
.pw-panel[hidden]{display:none}
.left .pw-panel{right:auto;left:20px}
.pw-head{display:flex;align-items:center;gap:8px;padding:12px 8px 12px 16px;background:var(--pc);color:var(--pf)}
.pw-head :focus-visible{outline-color:var(--pf)}
.pw-title{flex:1;min-width:0}
.pw-title h2{margin:0;font-size:16px;font-weight:600;line-height:1.3;color:inherit;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.pw-title small{display:block;font-size:12px;opacity:.85}
.pw-avs{display:flex;padding-left:8px}
.pw-avs .pw-av{width:30px;height:30px;margin-left:-8px;border:2px solid var(--pc)}
.pw-ib{width:36px;height:36px;margin:0;padding:0;border:0;border-radius:8px;background:transparent;color:inherit;cursor:pointer;display:flex;align-items:center;justify-content:center;flex:none}
.pw-ib:hover{background:rgba(127,127,127,.22)}
.pw-ib svg{width:20px;height:20px;fill:currentColor}
.pw-log{flex:1;overflow-y:auto;padding:14px 14px 6px;display:flex;flex-direction:column;gap:6px;background:#f5f6f8}
.pw-msg{display:flex;flex-direction:column;align-items:flex-start;max-width:85%;align-self:flex-start}
.pw-msg.visitor{align-self:flex-end;align-items:flex-end}
.pw-msg.system{align-self:center;align-items:center;text-align:center;color:#5b6170;font-size:12px}
.pw-bubble{padding:8px 12px;border-radius:14px;background:#fff;border:1px solid #e3e6ec;overflow-wrap:anywhere;word-wrap:break-word;max-width:100%}
.visitor .pw-bubble{background:var(--pc);color:var(--pf);border-color:transparent}
.system .pw-bubble{background:transparent;border:0;padding:2px 8px}
.pw-msg[data-pending] .pw-bubble{opacity:.65}
.pw-text{white-space:pre-wrap}
.pw-text:empty{display:none}
.pw-bubble a{color:inherit;text-decoration:underline}
.pw-author{display:flex;align-items:center;gap:6px;font-size:12px;color:#5b6170;margin:6px 0 2px}
.pw-av{width:24px;height:24px;border-radius:50%;object-fit:cover;flex:none;background:#8b93a3;color:#fff;font-size:11px;font-weight:700;display:inline-flex;align-items:center;justify-content:center;overflow:hidden}
.pw-thumb{display:block;max-width:min(200px,100%);max-height:160px;min-width:32px;min-height:32px;object-fit:contain;border-radius:8px;margin-top:4px;background:#e3e6ec}
.pw-file{display:flex;align-items:center;gap:4px;margin-top:4px}
.pw-file svg,.pw-chip svg{width:16px;height:16px;fill:currentColor;flex:none}
.pw-meta{font-size:11px;color:#6b7280;margin-top:2px;padding:0 4px}
.pw-meta .pw-err{display:inline}
.pw-linkbtn{margin:0 0 0 6px;padding:0;border:0;background:none;color:#1d4ed8;font:inherit;text-decoration:underline;cursor:pointer}
.pw-seen{align-self:flex-end;font-size:11px;color:#6b7280;margin-top:-2px;padding:0 4px}
.pw-typing{min-height:22px;padding:2px 16px;font-size:12px;color:#5b6170;font-style:italic;background:#f5f6f8}
.pw-foot{border-top:1px solid #e3e6ec;background:#fff;padding:10px;max-height:70%;overflow-y:auto}
.pw-row{display:flex;align-items:flex-end;gap:6px}
.pw-input{flex:1;min-width:0;margin:0;resize:none;border:1px solid #cfd4dc;border-radius:10px;padding:8px 10px;font:inherit;color:inherit;background:#fff;height:38px;max-height:120px;line-height:20px}
.pw-input:focus{border-color:var(--pc)}
.pw-attach{position:relative;width:38px;height:38px;border-radius:10px;color:#5b6170;display:flex;align-items:center;justify-content:center;flex:none;cursor:pointer}
.pw-attach:hover{background:#eef0f4}
.pw-attach svg{width:22px;height:22px;fill:currentColor}
.pw-attach input{position:absolute;top:0;left:0;width:100%;height:100%;margin:0;opacity:0;cursor:pointer;font-size:0}
.pw-attach:focus-within{outline:3px solid var(--pc);outline-offset:1px}
.pw-send{width:38px;height:38px;flex:none;margin:0;padding:0;border:0;border-radius:10px;background:var(--pc);color:var(--pf);cursor:pointer;display:flex;align-items:center;justify-content:center}
.pw-send svg{width:20px;height:20px;fill:currentColor}
.pw-send:disabled,.pw-btn:disabled{opacity:.45;cursor:default}
.pw-chips{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:8px}
.pw-chip{display:inline-flex;align-items:center;gap:4px;max-width:100%;background:#eef0f4;border-radius:12px;padding:2px 2px 2px 8px;font-size:12px}
.pw-chip span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.pw-chip button{width:22px;height:22px;margin:0;padding:0;border:0;border-radius:50%;background:none;color:inherit;cursor:pointer;font:inherit;font-size:15px;line-height:1}
.pw-err{color:#b42318;font-size:12px;margin:0 0 8px}
.pw-status{color:#5b6170;font-size:12px;margin:0 0 8px}
.pw-ok{background:#ecfdf3;color:#05603a;border-radius:8px;padding:8px 10px;font-size:13px;margin:0 0 8px}
.pw-form{display:flex;flex-direction:column;gap:8px;margin:0}
.pw-form p{margin:0;font-size:13px;color:#394150}
.pw-form label{display:flex;flex-direction:column;gap:3px;font-size:12px;font-weight:600;color:#394150}
.pw-form label small{font-weight:400;color:#6b7280}
.pw-form input,.pw-form textarea{margin:0;font:inherit;font-weight:400;color:#1f2330;border:1px solid #cfd4dc;border-radius:8px;padding:8px 10px;background:#fff;width:100%}
.pw-form textarea{min-height:80px;resize:vertical}
.pw-form input:focus,.pw-form textarea:focus{border-color:var(--pc)}
.pw-btn{margin:0;background:var(--pc);color:var(--pf);border:0;border-radius:8px;padding:10px 14px;font:inherit;font-weight:600;cursor:pointer}
@media (max-width:479px){.pw-panel{top:0;left:0!important;right:0!important;bottom:0;width:100%;height:100%;max-width:none;max-height:none;border-radius:0}.open .pw-launcher{display:none}}
`;

export const CSS = LAUNCHER_CSS + PANEL_CSS.replace(/\n/g, '');
